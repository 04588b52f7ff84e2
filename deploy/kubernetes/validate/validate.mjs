// Validates every object of a rendered kustomization (multi-document YAML on stdin or in a file) against
// the Kubernetes and prometheus-operator schemas, offline: kubernetes-models and
// @kubernetes-models/prometheus-operator carry the OpenAPI schemas and validate a plain object.
// Exit 0 when all are valid, 1 naming each invalid or unknown object. Used by scripts/check-kubernetes.sh.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const groups = {
  "v1": () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "monitoring.coreos.com/v1": () => import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
};

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const docs = parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d);
let failed = 0;
const counts = {};
for (const obj of docs) {
  const name = `${obj.kind}/${obj.metadata?.name}`;
  const load = groups[obj.apiVersion];
  const Model = load ? (await load())[obj.kind] : undefined;
  if (!Model) {
    console.error(`unknown object ${obj.apiVersion} ${name}: no schema to validate it against`);
    failed++;
    continue;
  }
  try {
    new Model(obj).validate();
    counts[obj.kind] = (counts[obj.kind] ?? 0) + 1;
  } catch (e) {
    console.error(`invalid ${obj.apiVersion} ${name}: ${e.message}`);
    failed++;
  }
}
// What the schemas cannot say, and the deployment depends on (issue: "the audit sink can't run twice; the
// verifier keeps its state across a pod restart"): checked on the rendered objects, by name.
const find = (kind, name) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };
const settings = find("ConfigMap", docs.find((d) => d.kind === "ConfigMap")?.metadata?.name)?.data ?? {};
const dataDir = settings.SHERATAN_DATA_DIR;
const mounts = (pod) => pod?.spec?.containers?.[0]?.volumeMounts ?? [];
const probes = (pod) => [pod?.spec?.containers?.[0]?.livenessProbe?.httpGet?.path, pod?.spec?.containers?.[0]?.readinessProbe?.httpGet?.path];

const sink = find("StatefulSet", "sheratan-audit-sink");
check(sink?.spec?.replicas === 1, "the audit sink is a StatefulSet of exactly one replica (no replacement before the old pod is gone)");
const sinkPod = sink?.spec?.template;
const logClaim = sink?.spec?.volumeClaimTemplates?.find((t) => mounts(sinkPod).some((m) => m.name === t.metadata.name && m.mountPath === dataDir));
check(logClaim !== undefined, "the audit log's volume (a claim template) is mounted at SHERATAN_DATA_DIR");
check(logClaim?.spec?.accessModes?.length === 1 && logClaim.spec.accessModes[0] === "ReadWriteOncePod",
  "the audit log's volume is ReadWriteOncePod (one pod at a time)");
const keyEnv = sinkPod?.spec?.containers?.[0]?.env?.find((e) => e.name === "SHERATAN_AUDIT_LOG_KEY_FILE")?.value ?? "";
const keyVolume = sinkPod?.spec?.volumes?.find((v) => v.secret && mounts(sinkPod).some((m) => m.name === v.name && keyEnv.startsWith(m.mountPath + "/")));
check(keyVolume !== undefined, "the audit log key comes from a Secret (SHERATAN_AUDIT_LOG_KEY_FILE under a Secret's mount)");

const verifier = find("StatefulSet", "sheratan-verifier");
const vPod = verifier?.spec?.template;
const headless = find("Service", verifier?.spec?.serviceName);
check(headless?.spec?.clusterIP === "None", "the verifier's Service is headless (pod DNS names)");
check(verifier?.spec?.volumeClaimTemplates?.some((t) => mounts(vPod).some((m) => m.name === t.metadata.name && m.mountPath === dataDir)),
  "the verifier's state volume (a volumeClaimTemplate) is mounted at SHERATAN_DATA_DIR");
check((vPod?.spec?.terminationGracePeriodSeconds ?? 30) >= 45, "the verifier's termination grace exceeds the Streams close timeout (30 s)");
check((vPod?.spec?.containers?.[0]?.args ?? []).join(" ").includes("--advertised-host $(POD_NAME)." + verifier?.spec?.serviceName),
  "application.server is the pod's DNS name under the headless Service");
check(docs.some((d) => d.kind === "PodDisruptionBudget" && d.spec?.selector?.matchLabels?.["app.kubernetes.io/name"] === "sheratan-verifier"),
  "a PodDisruptionBudget covers the verifier");
const gateway = find("Deployment", "sheratan-gateway");
check(docs.some((d) => d.kind === "HorizontalPodAutoscaler" && d.spec?.scaleTargetRef?.name === "sheratan-gateway"), "an HPA scales the gateway");
check(gateway?.spec?.replicas === undefined, "the gateway's replica count is the HPA's alone");
for (const [what, pod] of [["verifier", vPod], ["audit sink", sinkPod], ["gateway", gateway?.spec?.template]]) {
  const [live, ready] = probes(pod);
  check(live === "/health/live" && ready === "/health/ready", `the ${what}'s probes are /health/live and /health/ready`);
}
for (const p of problems) {
  console.error("policy: " + p);
}
failed += problems.length;
if (docs.length === 0) {
  console.error("no objects to validate");
  process.exit(1);
}
console.log(`validated ${docs.length - failed} of ${docs.length} objects: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")}`);
process.exit(failed === 0 ? 0 : 1);
