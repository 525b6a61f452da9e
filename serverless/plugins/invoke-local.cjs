// Makes `sls invoke local` behave as the README writes it:
// - a relative TRIBUTARY_LOCAL_ROOT (`-e TRIBUTARY_LOCAL_ROOT=.tributary`) means the project's
//   directory, where `tributary query` and `tributary run` look, not serverless-esbuild's build
//   folder, which becomes the working directory before the handler loads;
// - a handler that fails (at initialisation or in the call) ends the command: serverless-esbuild
//   releases its esbuild build context only after a successful invoke, and the context's child
//   process would otherwise keep the command running forever.
const { isAbsolute, resolve } = require('node:path');

class InvokeLocal {
  constructor(serverless) {
    this.serverless = serverless;
    // read now: serverless-esbuild moves the service directory to its build folder later
    this.projectDirectory = serverless.serviceDir;
    this.hooks = {
      'invoke:local:loadEnvVars': () => this.anchorLocalRoot(),
      error: () => this.releaseBundler(),
    };
  }

  anchorLocalRoot() {
    const root = process.env.TRIBUTARY_LOCAL_ROOT;
    if (root && !isAbsolute(root)) process.env.TRIBUTARY_LOCAL_ROOT = resolve(this.projectDirectory, root);
  }

  async releaseBundler() {
    for (const plugin of this.serverless.pluginManager.plugins) {
      if (
        plugin.constructor.name === 'EsbuildServerlessPlugin' &&
        typeof plugin.disposeContexts === 'function'
      ) {
        await plugin.disposeContexts();
      }
    }
  }
}

module.exports = InvokeLocal;
