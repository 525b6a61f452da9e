/** YAML files are parsed at build time (esbuild plugin, jest transform, require hook). */
declare module '*.yml' {
  const document: unknown;
  export default document;
}
