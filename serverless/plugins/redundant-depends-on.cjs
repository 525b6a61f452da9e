// serverless-iam-roles-per-function makes each function DependsOn its role, which the function
// already references with GetAtt; cfn-lint reports that (W3005). Runs after that plugin (the
// plugin list order) and drops DependsOn entries a resource already references.
class RedundantDependsOn {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.tidy() };
  }

  tidy() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    for (const resource of Object.values(resources)) {
      if (resource.DependsOn === undefined) continue;
      const referenced = referencedIds(resource.Properties);
      const kept = [resource.DependsOn].flat().filter((id) => !referenced.has(id));
      if (kept.length === 0) delete resource.DependsOn;
      else resource.DependsOn = kept;
    }
  }
}

function referencedIds(value, ids = new Set()) {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, ids);
  } else if (value && typeof value === 'object') {
    for (const [key, argument] of Object.entries(value)) {
      if (key === 'Ref' && typeof argument === 'string') ids.add(argument);
      else if (key === 'Fn::GetAtt')
        ids.add(Array.isArray(argument) ? argument[0] : String(argument).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(argument) ? argument[0] : argument;
        for (const match of String(text).matchAll(/\$\{([^!}][^}.]*)/g)) ids.add(match[1]);
      }
      referencedIds(argument, ids);
    }
  }
  return ids;
}

module.exports = RedundantDependsOn;
