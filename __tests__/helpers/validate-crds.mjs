// Validates custom resources against the real CRD schemas shipped by the @kubernetes-models packages (ESM only,
// hence a separate Node process). Reads a JSON array of manifests on stdin and prints one result per manifest:
// {"kind", "name", "valid", "error"?}. Unknown apiVersion/kind pairs are reported as invalid.
import { ExternalSecret, SecretStore } from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2";

const MODELS = {
  "external-secrets.io/v1/ExternalSecret": ExternalSecret,
  "external-secrets.io/v1/SecretStore": SecretStore,
  "cert-manager.io/v1/Certificate": Certificate,
  "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute,
  "cilium.io/v2/CiliumNetworkPolicy": CiliumNetworkPolicy,
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((manifest) => {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  const base = { kind: manifest.kind, name: manifest.metadata?.name };
  if (!Model) return { ...base, valid: false, error: `no schema for ${manifest.apiVersion} ${manifest.kind}` };
  try {
    new Model(manifest).validate();
    return { ...base, valid: true };
  } catch (err) {
    return { ...base, valid: false, error: String(err.message ?? err).slice(0, 2000) };
  }
});
process.stdout.write(JSON.stringify(results));
