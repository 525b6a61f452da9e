// Makes `sls invoke local` behave as the README writes it:
// - a relative TRIBUTARY_LOCAL_ROOT (`-e TRIBUTARY_LOCAL_ROOT=.tributary`) means the project's
//   directory, where `tributary query` and `tributary run` look, not serverless-esbuild's build
//   folder, which becomes the working directory before the handler loads;
// - with a local root, the handler gets the local stage's Glue database and Athena workgroups
//   (tributary_local, tributary-local…), the only ones the local catalog and engine know, instead
//   of the stage's (tributary_dev): what planRun plans, `tributary athena` runs and publishTransform
//   publishes is then what `tributary query` and the loader read. `-e` still overrides them;
// - a handler that fails (at initialisation or in the call) ends the command: serverless-esbuild
//   releases its esbuild build context only after a successful invoke, and the context's child
//   process would otherwise keep the command running forever.
const { isAbsolute, join, resolve } = require('node:path');

class InvokeLocal {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    // read now: serverless-esbuild moves the service directory to its build folder later
    this.projectDirectory = serverless.serviceDir;
    this.hooks = {
      'invoke:local:loadEnvVars': () => this.anchorLocalRoot(),
      error: () => this.releaseBundler(),
    };
  }

  anchorLocalRoot() {
    const root = process.env.TRIBUTARY_LOCAL_ROOT;
    if (!root) return;
    if (!isAbsolute(root)) process.env.TRIBUTARY_LOCAL_ROOT = resolve(this.projectDirectory, root);
    const given = new Set([this.options.env ?? []].flat().map((pair) => String(pair).split('=')[0]));
    for (const [name, value] of Object.entries(this.localAthenaVariables())) {
      // only variables the function has (it is given them by serverless.yml), unless -e set them
      if (process.env[name] !== undefined && !given.has(name)) process.env[name] = value;
    }
  }

  localAthenaVariables() {
    // loaded only with a local root: osls loads .js/.cjs, tsx compiles the TypeScript on the fly
    const tsx = require('tsx/cjs/api');
    const { parseYamlFile } = require('../../scripts/yaml-loader.cjs');
    const { parsePipeline } = tsx.require('../../src/lib/pipeline/pipeline.ts', __filename);
    const { localAthenaVariables } = tsx.require('../../src/lib/local/local-stage.ts', __filename);
    const pipelinePath = join(this.projectDirectory, 'pipeline.yml');
    return localAthenaVariables(parsePipeline(parseYamlFile(pipelinePath), pipelinePath).database);
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
