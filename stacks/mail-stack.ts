import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { credentialSettings, type CredentialSettings } from "../constructs/credentials/credential-settings";
import { requiredSlotsOf, requireSlots } from "../constructs/kit/required-slots";
import type { MailServer } from "../constructs/mail-server";
import { escapeTemplate } from "../constructs/terraform/escape";
import type { Offboarding, OpenBao, SovereignPlatform } from "../fleet/model";
import { OFFBOARDING_OUTPUT } from "../plan-diff/offboarding";
import { BaseStack, kubeconfigOf } from "./base-stack";

/** The stack output holding the mail domain's records as a zone-file snippet, filled in after apply. */
export const DNS_ZONE_FILE_OUTPUT = "dns_zone_file";

/**
 * Base of every mail stack: the providers for the Sovereign's cluster (kubeconfig path and context only, never
 * credentials) and its OpenBao, and the outputs of its mail server. The kit slots it needs are what its constructs
 * declared.
 */
export abstract class MailStack extends BaseStack {
  /** The stack's credentials: OpenBao mount, rotation policy, ExternalSecret store. */
  protected readonly credentials: CredentialSettings;

  protected constructor(
    scope: Construct,
    stackName: string,
    readonly platform: SovereignPlatform,
  ) {
    super(scope, stackName, platform.state);
    new KubernetesProvider(this, "kubernetes", kubeconfigOf(platform.cluster));
    new RandomProvider(this, "random");
    new TlsProvider(this, "tls");
    new TimeProvider(this, "time");
    this.pinProvider("time");
    // Every credential is generated into OpenBao (write-only arguments: Terraform 1.11) and reaches pods through
    // ExternalSecrets. The token comes from VAULT_TOKEN, never the fleet or the output.
    new VaultProvider(this, "openbao", { address: escapeTemplate(this.openbao.address) });
    this.pinProvider("vault");
    this.requireTerraform("1.11.0");
    this.pinProvider("kubernetes");
    this.pinProvider("random");
    this.pinProvider("tls");
    this.credentials = credentialSettings(stackName, platform, this.openbao);
  }

  /** Bootstrap-kit slots (by name) that must be installed before this stack is applied. */
  get requiredSlots(): readonly string[] {
    return requiredSlotsOf(this);
  }

  /** The Sovereign's OpenBao: the fleet checks guarantee one for every Sovereign with mail stacks. */
  protected get openbao(): OpenBao {
    const openbao = this.platform.openbao;
    if (!openbao) throw new Error(`${this.stackName}: the Sovereign has no openbao.address, where its credentials are kept`);
    return openbao;
  }

  /** Slots the stack needs beyond what its constructs declare (the relay's own place in the kit DAG). */
  protected requireSlots(...slots: readonly string[]): void {
    requireSlots(this, ...slots);
  }

  /**
   * The outputs every mail stack has: where its server is and what to publish for its domain, and while it is
   * offboarding the record that lets it leave the fleet after `retainUntil` (plan-diff and synthesis read it).
   */
  protected addServerOutputs(mail: MailServer, offboarding: Offboarding | undefined): void {
    new TerraformOutput(this, DNS_ZONE_FILE_OUTPUT, { value: mail.dns.zoneFile, description: "The mail domain's records as a zone-file snippet (publish them for BYO domains)" });
    new TerraformOutput(this, "dkim_selectors", { value: mail.dkim.keys.map((k) => k.selector), description: "DKIM selectors (Ed25519 and RSA; with rotation one per slot, all published)" });
    new TerraformOutput(this, "namespace", { value: mail.namespace, description: "Namespace of the mail server" });
    new TerraformOutput(this, "mail_host", { value: mail.mailHost, description: "MX target, EHLO name and PTR value" });
    new TerraformOutput(this, "management_endpoint", {
      value: mail.managementEndpoint,
      description: "In-cluster address of the management listener (JMAP management, health, metrics)",
    });
    new TerraformOutput(this, "mail_load_balancer_addresses", {
      value: mail.server.mailService.interpolationForAttribute("status[0].load_balancer[0].ingress[*].ip"),
      description: "Addresses of the mail LoadBalancer (A/AAAA and PTR of the mail host)",
    });
    new TerraformOutput(this, "config_apply_job", { value: mail.applyJob.job.metadata.name, description: "Name of the Job that applied the current configuration plan" });
    if (offboarding) {
      new TerraformOutput(this, OFFBOARDING_OUTPUT, {
        value: { final_backup: offboarding.finalBackup, retain_until: offboarding.retainUntil },
        description: "This stack is offboarding: it and its mailboxes stay until retain_until (UTC), then it may leave the fleet",
      });
    }
  }
}
