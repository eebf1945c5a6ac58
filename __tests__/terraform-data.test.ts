import { App, DataResource, Fn, Lazy, TerraformStack, Testing, Token } from "cdktf";
import { TerraformData } from "../constructs/terraform/terraform-data";

describe("TerraformData", () => {
  it("writes terraform_data as cdktf's DataResource does", () => {
    const synth = (make: (stack: TerraformStack) => void) => {
      const app = new App();
      const stack = new TerraformStack(app, "s");
      make(stack);
      const json = JSON.parse(Testing.synth(stack)) as { resource: { terraform_data: Record<string, { "//"?: unknown }> } };
      return Object.values(json.resource.terraform_data).map(({ "//": _, ...body }) => body);
    };
    const withDependency = (stack: TerraformStack, make: (dep: DataResource) => void) => make(new DataResource(stack, "dep", {}));
    const cdktf = synth((s) => withDependency(s, (dep) => new DataResource(s, "marker", { input: { name: "lb-1", n: 2 }, dependsOn: [dep] })));
    const ours = synth((s) => withDependency(s, (dep) => new TerraformData(s, "marker", { input: { name: "lb-1", n: 2 }, dependsOn: [dep] })));
    expect(ours).toEqual(cdktf);
  });
});
