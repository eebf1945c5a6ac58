import { TerraformBackend, type TerraformRemoteState } from "cdktf";
import type { Construct } from "constructs";
import type { StateBackend } from "../../fleet/model";
import { stateObjectKey, stateSchemaName } from "../../fleet/names";

/** Terraform (and OpenTofu) releases that lock S3 state with a lock file (`use_lockfile`). */
const S3_LOCKFILE_TERRAFORM = "1.10.0";

/** A stack's backend block: its type and attributes as Terraform reads them. */
export interface BackendSettings {
  readonly type: "local" | "s3" | "pg";
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Terraform release the backend needs, when newer than the project's. */
  readonly requiredTerraform?: string;
}

/**
 * The backend of a stack from the fleet. Credentials (AWS_*, PG_CONN_STR) come from the environment of whoever runs
 * Terraform: the pg backend is written without `conn_str` so Terraform reads PG_CONN_STR; the local backend is for
 * development only.
 */
export function backendSettings(stackName: string, state: StateBackend): BackendSettings {
  switch (state.backend) {
    case "local":
      // Relative to cdktf.out/stacks/<stack>: the state file sits in the project root, outside the synthesized tree.
      return { type: "local", attributes: { path: `../../../terraform.${stackName}.tfstate` } };
    case "s3": {
      const compatible = state.endpoint !== undefined;
      return {
        type: "s3",
        requiredTerraform: S3_LOCKFILE_TERRAFORM,
        attributes: {
          bucket: state.bucket,
          key: stateObjectKey(state.keyPrefix, stackName),
          region: state.region,
          encrypt: state.encrypt,
          kms_key_id: state.kmsKeyId,
          use_lockfile: true,
          // S3-compatible stores: path-style URLs, and no AWS account, region, STS or checksum features they lack.
          ...(compatible && {
            endpoints: { s3: state.endpoint },
            use_path_style: true,
            skip_credentials_validation: true,
            skip_region_validation: true,
            skip_requesting_account_id: true,
            skip_metadata_api_check: true,
            skip_s3_checksum: true,
          }),
        },
      };
    }
    case "pg":
      return { type: "pg", attributes: { schema_name: stateSchemaName(state.schemaPrefix, stackName) } };
  }
}

/** The backend block from {@link backendSettings}. */
class FleetStateBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly settings: BackendSettings,
  ) {
    super(scope, "backend", settings.type);
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return Object.fromEntries(Object.entries(this.settings.attributes).filter(([, v]) => v !== undefined));
  }

  /** Cross-stack references are not used (every stack stands alone); cdktf asks for this only to create them. */
  getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error("sovereign-mail stacks do not read each other's state");
  }
}

/** Configures `stack`'s state backend from the fleet; returns its settings. */
export function configureStateBackend(stack: Construct, stackName: string, state: StateBackend): BackendSettings {
  const settings = backendSettings(stackName, state);
  new FleetStateBackend(stack, settings);
  return settings;
}
