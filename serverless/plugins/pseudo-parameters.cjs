// Lets plain-string function environment values name CloudFormation pseudo parameters, logical
// ids and the stack id suffix as #{AWS::AccountId}, #{HashKeySecret}, #{StackIdSuffix}: they become
// Fn::Sub in the packaged template, while `sls invoke local` (which cannot resolve intrinsics
// offline) still sees plain strings. src/infra/names.ts owns the spelling.
const tsx = require('tsx/cjs/api');

const { environmentValue } = tsx.require('../../src/infra/names.ts', __filename);

class PseudoParameters {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileFunctions': () => this.substitute() };
  }

  substitute() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const variables = resource.Properties.Environment?.Variables ?? {};
      for (const [name, value] of Object.entries(variables)) {
        if (typeof value === 'string') variables[name] = environmentValue(value);
      }
    }
  }
}

module.exports = PseudoParameters;
