import { allStacks, synthFleetYaml } from "./helpers/synth";

const fleetWithState = (state: string) => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.omantel.example.org"}
    kit: {include: [bp-cert-manager-issuers, bp-external-secrets-stores, bp-catalyst-platform]}
${state ? `    state: ${state}\n` : ""}    tenants:
      - {id: acme, domain: {mode: free-subdomain}, oidc: {}}
      - {id: globex, domain: {mode: byo, name: globex.example.com}, oidc: {}}
`;

interface TerraformBlock {
  backend: Record<string, Record<string, unknown>>;
  required_version: string;
}

/** The `terraform` block of every stack as written to disk (the test JSON helper leaves the backend out). */
function terraformBlocks(state: string): Record<string, TerraformBlock> {
  const { stacks } = synthFleetYaml(fleetWithState(state));
  return Object.fromEntries(allStacks(stacks).map((s) => [s.stackName, s.toTerraform().terraform]));
}

describe("state backend", () => {
  it("defaults to a local state file per stack, outside the synthesized tree", () => {
    const blocks = terraformBlocks("");
    expect(Object.keys(blocks)).toEqual(["fsn1-kit", "fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex"]);
    for (const [name, block] of Object.entries(blocks)) expect(block.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
  });

  it("s3: one encrypted, lock-file-locked object per stack, credentials left to the environment", () => {
    const blocks = terraformBlocks("{backend: s3, bucket: fsn1-state, region: eu-central-1}");
    const keys = Object.values(blocks).map((b) => b.backend.s3.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [name, block] of Object.entries(blocks)) {
      expect(block.backend.s3).toEqual({ bucket: "fsn1-state", key: `sovereign-mail/${name}.tfstate`, region: "eu-central-1", encrypt: true, use_lockfile: true });
      // use_lockfile needs Terraform (or OpenTofu) 1.10.
      expect(block.required_version).toBe(name.endsWith("-kit") ? ">= 1.10.0" : ">= 1.11.0");
    }
  });

  it("s3-compatible: endpoint, path-style addressing, no AWS-only checks; SSE-KMS when a key is named", () => {
    const blocks = terraformBlocks(
      '{backend: s3, bucket: fsn1-state, region: fsn1, endpoint: "https://fsn1.your-objectstorage.com", keyPrefix: mail/fsn1, kmsKeyId: state-key}',
    );
    expect(blocks["fsn1-tenant-acme"].backend.s3).toMatchObject({
      key: "mail/fsn1/fsn1-tenant-acme.tfstate",
      endpoints: { s3: "https://fsn1.your-objectstorage.com" },
      use_path_style: true,
      skip_credentials_validation: true,
      skip_region_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_s3_checksum: true,
      kms_key_id: "state-key",
      use_lockfile: true,
    });
  });

  it("pg: one schema per stack, the connection string (with its password) never in the output", () => {
    const blocks = terraformBlocks("{backend: pg}");
    expect(Object.fromEntries(Object.entries(blocks).map(([name, b]) => [name, b.backend]))).toEqual({
      "fsn1-kit": { pg: { schema_name: "sovereign_mail_fsn1_kit" } },
      "fsn1-mail": { pg: { schema_name: "sovereign_mail_fsn1_mail" } },
      "fsn1-tenant-acme": { pg: { schema_name: "sovereign_mail_fsn1_tenant_acme" } },
      "fsn1-tenant-globex": { pg: { schema_name: "sovereign_mail_fsn1_tenant_globex" } },
    });
  });
});
