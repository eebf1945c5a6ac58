import { LocalBackend, S3Backend, TerraformBackend, type TerraformRemoteState } from "cdktf";
import type { Construct } from "constructs";
import type { StateBackend } from "../../fleet/model";
import { stateObjectKey, stateSchemaName } from "../../fleet/names";

/** Terraform (and OpenTofu) releases that lock S3 state with a lock file (`use_lockfile`). */
const S3_LOCKFILE_TERRAFORM = "1.10.0";

/**
 * The pg backend without `conn_str`: Terraform then reads PG_CONN_STR, so the database password never enters the
 * fleet or the synthesized JSON (cdktf's PgBackend makes the connection string mandatory).
 */
class PgStateBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly schemaName: string,
  ) {
    super(scope, "backend", "pg");
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { schema_name: this.schemaName };
  }

  /** Cross-stack references are not used (every stack stands alone); cdktf asks for this only to create them. */
  getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error("sovereign-mail stacks do not read each other's state");
  }
}

/**
 * Configures `stack`'s state backend from the fleet and returns the Terraform version constraint it needs, if
 * stricter than the project's. Credentials (AWS_*, PG_CONN_STR) come from the environment of whoever runs
 * Terraform; the local backend is for development only.
 */
export function configureStateBackend(stack: Construct, stackName: string, state: StateBackend): string | undefined {
  switch (state.backend) {
    case "local":
      // Relative to cdktf.out/stacks/<stack>: the state file sits in the project root, outside the synthesized tree.
      new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
      return undefined;
    case "s3": {
      const compatible = state.endpoint !== undefined;
      const backend = new S3Backend(stack, {
        bucket: state.bucket,
        key: stateObjectKey(state.keyPrefix, stackName),
        region: state.region,
        encrypt: state.encrypt,
        kmsKeyId: state.kmsKeyId,
        // S3-compatible stores: path-style URLs, and no AWS account, region or STS lookups they cannot answer.
        ...(compatible && {
          endpoints: { s3: state.endpoint },
          usePathStyle: true,
          skipCredentialsValidation: true,
          skipRegionValidation: true,
          skipRequestingAccountId: true,
          skipMetadataApiCheck: true,
        }),
      });
      backend.addOverride("use_lockfile", true);
      if (compatible) backend.addOverride("skip_s3_checksum", true);
      return S3_LOCKFILE_TERRAFORM;
    }
    case "pg":
      new PgStateBackend(stack, stateSchemaName(state.schemaPrefix, stackName));
      return undefined;
  }
}
