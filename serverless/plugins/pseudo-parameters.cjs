// Lets plain-string function environment values name CloudFormation pseudo parameters as
// #{AWS::AccountId} / #{AWS::Region}: they become Fn::Sub in the packaged template, while
// `sls invoke local` (which cannot resolve intrinsics offline) still sees plain strings.
const PSEUDO = /#\{(AWS::[A-Za-z]+)\}/g;

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
        if (typeof value === 'string' && PSEUDO.test(value)) {
          variables[name] = { 'Fn::Sub': value.replace(PSEUDO, '${$1}') };
        }
        PSEUDO.lastIndex = 0;
      }
    }
  }
}

module.exports = PseudoParameters;
