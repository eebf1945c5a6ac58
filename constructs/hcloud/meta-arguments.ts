import type { TerraformMetaArguments } from "cdktf";

/** The meta-arguments a hand-written binding forwards to its base class, as generated bindings do. */
export function metaArguments(config: TerraformMetaArguments): TerraformMetaArguments {
  return { provider: config.provider, dependsOn: config.dependsOn, count: config.count, lifecycle: config.lifecycle, forEach: config.forEach };
}
