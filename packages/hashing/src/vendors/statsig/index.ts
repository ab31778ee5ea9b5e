/**
 * Statsig-compatible bucketing, driven by a config payload (`download_config_specs`, the v1 array format or the
 * v2 map format). Two SDKs compute the same formulas and differ in their SHA-256: Statsig's current server core
 * (`@statsig/statsig-node-core`, `"node-core"`, the default) hashes the UTF-8 bytes correctly; the legacy
 * `statsig-node` (`"node-legacy"`) pads some long non-ASCII messages wrongly (`padding-quirk.ts`). See
 * `../README.md` and `shared/notes/vendors.md` §3.
 */
import { digest } from "../digest.js";
import { staleWord, statsigSha256 } from "./padding-quirk.js";
import { payloadSpecs, type StatsigPayload } from "./payload-formats.js";
import { compileUnitIdCondition, type UnitIdTest } from "./unit-id-condition.js";

export {
  type ConfigSpecsPayloadV2,
  findExperimentSpec,
  type PayloadSpecs,
  payloadSpecs,
  type SpecRuleV2,
  type SpecV2,
  type StatsigPayload,
} from "./payload-formats.js";
export { UNIT_ID_OPERATORS } from "./unit-id-condition.js";

/**
 * Which Statsig SDK's hash to reproduce: `node-core` (`@statsig/statsig-node-core`, Statsig's current server
 * SDK: SHA-256 of the UTF-8 bytes) or `node-legacy` (`statsig-node` 6: its own SHA-256 with the padding defect).
 */
export type StatsigSdk = "node-core" | "node-legacy";

/** The SDK reproduced when none is named: Statsig's current one. */
export const DEFAULT_STATSIG_SDK: StatsigSdk = "node-core";

/** Bucket space of pass percentages (rules, gates). */
export const PASS_PERCENT_BUCKETS = 10000;
/** Bucket space of `user_bucket` conditions (experiment groups, layer allocation). */
export const USER_BUCKETS = 1000;
const TWO_POW_32_MOD_10000 = 4294967296 % 10000;

function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * The bytes statsig-node's own SHA-256 reads from a string: UTF-8 for well-formed strings; a surrogate code
 * unit that is not part of a pair (high or low) is still taken as the lead of a pair with whatever unit
 * follows (`0x10000 + ((c & 0x3ff) << 10 | (next & 0x3ff))`, 0 past the end), and written as four bytes.
 */
function statsigBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0xd800 || c >= 0xe000)
      bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else {
      i++;
      const next = i < text.length ? text.charCodeAt(i) : 0;
      c = 0x10000 + (((c & 0x3ff) << 10) | (next & 0x3ff));
      bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
  }
  return Buffer.from(bytes);
}

function sha256(text: string, sdk: StatsigSdk): Buffer {
  // node-core: Rust hashes the UTF-8 bytes of the string napi hands it (an unpaired surrogate becomes U+FFFD,
  // as in Node's own UTF-8 encoding of a string)
  if (sdk === "node-core") return digest("sha256", text);
  // short strings (the salt and most ids) cannot reach the padding quirk: at most 3 bytes per UTF-16 unit
  if (text.length * 3 < 120) return digest("sha256", isWellFormed(text) ? text : statsigBytes(text));
  const bytes = isWellFormed(text) ? Buffer.from(text, "utf8") : statsigBytes(text);
  const stale = staleWord(bytes);
  return stale === 0 ? digest("sha256", bytes) : statsigSha256(bytes, stale);
}

/**
 * Statsig's unit hash: the first 8 bytes of SHA-256 of `text` as a big-endian uint64. The bytes are UTF-8; for
 * `node-legacy`, with strings holding unpaired surrogates, the bytes statsig-node's own SHA-256 reads (see
 * `statsigBytes`), and its padding defect.
 */
export function computeUserHash(text: string, sdk: StatsigSdk = DEFAULT_STATSIG_SDK): bigint {
  return sha256(text, sdk).readBigUInt64BE(0);
}

/**
 * `computeUserHash(text) % modulus` for a modulus dividing 10000 (1000, 10000, …), computed from the two
 * 32-bit words without BigInt: `(hi * 2^32 + lo) mod m = ((hi mod m) * (2^32 mod m) + lo mod m) mod m`.
 */
export function userHashMod(text: string, modulus: number, sdk: StatsigSdk = DEFAULT_STATSIG_SDK): number {
  if (!(modulus > 0 && PASS_PERCENT_BUCKETS % modulus === 0)) {
    throw new RangeError(`modulus must divide 10000, got ${modulus}`);
  }
  const sha = sha256(text, sdk);
  const hi = sha.readUInt32BE(0);
  const lo = sha.readUInt32BE(4);
  return ((hi % modulus) * (TWO_POW_32_MOD_10000 % modulus) + (lo % modulus)) % modulus;
}

/** A `user_bucket` condition's value: `computeUserHash(salt + "." + unitId) % 1000`. */
export function userBucket(
  salt: string,
  unitId: string | undefined | null,
  sdk: StatsigSdk = DEFAULT_STATSIG_SDK,
): number {
  return userHashMod(salt + "." + (unitId ?? ""), USER_BUCKETS, sdk);
}

/** A rule's pass-percentage bucket: `computeUserHash(configSalt + "." + ruleSalt + "." + unitId) % 10000`. */
export function passPercentageBucket(
  configSalt: string,
  ruleSalt: string,
  unitId: string | undefined | null,
  sdk: StatsigSdk = DEFAULT_STATSIG_SDK,
): number {
  return userHashMod(configSalt + "." + ruleSalt + "." + (unitId ?? ""), PASS_PERCENT_BUCKETS, sdk);
}

/**
 * A rule's pass percentage: 0 fails and 100 passes without hashing; otherwise the unit passes when
 * `passPercentageBucket(config.salt, rule.salt ?? rule.id, unitId) < passPercentage * 100` (STRICT).
 */
export function passesPercentage(
  configSalt: string,
  rule: { readonly passPercentage: number; readonly salt?: string | null | undefined; readonly id: string },
  unitId: string | undefined | null,
  sdk: StatsigSdk = DEFAULT_STATSIG_SDK,
): boolean {
  if (rule.passPercentage === 0) return false;
  if (rule.passPercentage === 100) return true;
  return passPercentageBucket(configSalt, rule.salt ?? rule.id, unitId, sdk) < rule.passPercentage * 100;
}

/** A condition of a payload rule. */
export interface SpecCondition {
  readonly type: string;
  readonly operator?: string | null | undefined;
  readonly targetValue?: unknown;
  readonly field?: string | null | undefined;
  readonly idType?: string | null | undefined;
  readonly additionalValues?: { readonly salt?: string | undefined } | null | undefined;
}

/** A rule of a payload spec. */
export interface SpecRule {
  readonly id: string;
  readonly name?: string | undefined;
  readonly salt?: string | null | undefined;
  readonly passPercentage: number;
  readonly conditions: readonly SpecCondition[];
  readonly idType?: string | null | undefined;
  readonly groupName?: string | null | undefined;
  readonly isExperimentGroup?: boolean | null | undefined;
  readonly configDelegate?: string | null | undefined;
}

/** A gate, dynamic config, experiment or layer of the payload. */
export interface Spec {
  readonly name: string;
  readonly salt: string;
  readonly enabled: boolean;
  readonly rules: readonly SpecRule[];
  readonly idType?: string | null | undefined;
  readonly entity?: string | undefined;
  readonly isActive?: boolean | undefined;
}

/** The parts of a v1 Statsig `download_config_specs` payload (statsig-node's) that bucketing reads. */
export interface ConfigSpecsPayload {
  readonly feature_gates?: readonly Spec[] | undefined;
  readonly dynamic_configs?: readonly Spec[] | undefined;
  readonly layer_configs?: readonly Spec[] | undefined;
}

/** A Statsig user, as far as unit ids go. */
export interface StatsigUnit {
  readonly userID?: string | undefined;
  readonly customIDs?: Readonly<Record<string, string>> | undefined;
}

/** The outcome of evaluating a spec for a unit. */
export interface Evaluation {
  /** For a gate, whether it passes; for configs, whether a rule matched and passed its percentage. */
  readonly value: boolean;
  /** The deciding rule's id, `"default"` when no rule matched, `"disabled"` for a disabled spec. */
  readonly ruleId: string;
  /** The experiment group's name (`rule.groupName`), or `null`. */
  readonly groupName: string | null;
  readonly isExperimentGroup: boolean;
  /** For a layer: the experiment the unit was delegated to. */
  readonly configDelegate: string | null;
}

/** Raised for a condition that a hash cannot decide (user fields, IP, user agent, time, id lists, …). */
export class UnsupportedConditionError extends Error {
  constructor(
    readonly spec: string,
    readonly conditionType: string,
  ) {
    super(`statsig: ${spec} uses a ${conditionType} condition, which needs more than a hash`);
    this.name = "UnsupportedConditionError";
  }
}

function unitIdOf(unit: StatsigUnit, idType: string | null | undefined): string | undefined {
  if (typeof idType === "string" && idType.toLowerCase() !== "userid") {
    const ids = unit.customIDs;
    if (!ids) return undefined;
    if (ids[idType] !== undefined) return ids[idType];
    const wanted = idType.toLowerCase();
    for (const key of Object.keys(ids)) if (key.toLowerCase() === wanted) return ids[key];
    return undefined;
  }
  return unit.userID;
}

interface CompiledCondition {
  readonly kind: "public" | "user_bucket" | "unit_id" | "pass_gate" | "fail_gate" | "unsupported";
  readonly type: string;
  readonly salt: string;
  readonly idType: string | null | undefined;
  readonly operator: string;
  readonly number: number;
  readonly set: ReadonlySet<string> | null;
  readonly gate: string;
  readonly unitIdTest: UnitIdTest | null;
}

const NUMERIC_OPS = new Set(["gt", "gte", "lt", "lte"]);
const SET_OPS = new Set(["any", "none"]);

function compileCondition(c: SpecCondition): CompiledCondition {
  const type = c.type.toLowerCase();
  const operator = (c.operator ?? "").toLowerCase();
  const base = {
    type: c.type,
    salt: "",
    idType: c.idType,
    operator,
    number: Number.NaN,
    set: null,
    gate: "",
    unitIdTest: null,
  };
  if (type === "public") return { ...base, kind: "public" };
  if (type === "unit_id") {
    const unitIdTest = compileUnitIdCondition(operator, c.targetValue);
    return unitIdTest ? { ...base, kind: "unit_id", unitIdTest } : { ...base, kind: "unsupported" };
  }
  if (type === "pass_gate" || type === "fail_gate") {
    return typeof c.targetValue === "string"
      ? { ...base, kind: type, gate: c.targetValue }
      : { ...base, kind: "unsupported" };
  }
  if (type === "user_bucket" && (NUMERIC_OPS.has(operator) || SET_OPS.has(operator))) {
    const salt = String(c.additionalValues?.salt);
    if (SET_OPS.has(operator)) {
      const set = new Set<string>();
      if (Array.isArray(c.targetValue)) for (const t of c.targetValue) set.add(String(t).toLowerCase());
      // the v2 payload writes a bucket list as a map { "<bucket>": true }
      else if (typeof c.targetValue === "object" && c.targetValue !== null) {
        for (const [t, on] of Object.entries(c.targetValue)) if (on === true) set.add(t.toLowerCase());
      }
      return { ...base, kind: "user_bucket", salt, set };
    }
    const n = c.targetValue === null || c.targetValue === undefined ? Number.NaN : Number(c.targetValue);
    return { ...base, kind: "user_bucket", salt, number: n };
  }
  return { ...base, kind: "unsupported" };
}

/**
 * Whether a condition needs more than the unit id to decide (user fields, IP, user agent, environment, time,
 * id lists, an unknown type or operator): what {@link StatsigEvaluator} cannot evaluate. `public`,
 * `user_bucket`, `unit_id` (string comparisons of the id) and `pass_gate` / `fail_gate` themselves do not
 * (the gate they name may).
 */
export function needsContext(condition: SpecCondition): boolean {
  return compileCondition(condition).kind === "unsupported";
}

/** A rule of a spec that reaches a condition needing more than the unit id, and which condition. */
export interface ContextRule {
  /** The rule's id in the spec evaluated. */
  readonly ruleId: string;
  /** The spec holding the condition: the spec itself, or a gate its rule names (through any depth). */
  readonly spec: string;
  readonly conditionType: string;
}

/** Options of {@link StatsigEvaluator}. */
export interface StatsigEvaluatorOptions {
  /** Whose SHA-256 to reproduce (default `node-core`). */
  readonly sdk?: StatsigSdk;
  /**
   * Rules never evaluated, by spec name: rule ids of that spec that are passed over as if their conditions did
   * not hold. For the rules an Assay manifest decides by its own `targeting` (a Statsig experiment's targeting
   * gate: every unit reaching the hash has passed it), so that the rest of the spec is evaluated from the unit
   * alone.
   */
  readonly skipRules?: Readonly<Record<string, readonly string[]>>;
}

interface CompiledSpec {
  readonly spec: Spec;
  readonly rules: readonly { readonly rule: SpecRule; readonly conditions: readonly CompiledCondition[] }[];
  readonly skipped: ReadonlySet<string>;
}

/**
 * A Statsig payload compiled for local evaluation of the hash-decidable parts: salts, `user_bucket`
 * conditions (`lt`/`lte`/`gt`/`gte` thresholds and `any`/`none` bucket lists, compiled to sets), rule pass
 * percentages, gates referenced by `pass_gate`/`fail_gate`, and layer delegation. Evaluation follows the
 * SDK: a disabled spec gives its default; rules in order, all conditions of a rule must pass, the first
 * matching rule decides (a delegating layer rule hands over to the experiment), then its pass percentage.
 *
 * Experiments: the first rule (`layerAssignment`, operator `none` over the experiment's allocated layer
 * buckets) catches units outside the allocation, which get the default (not in the experiment); the group
 * rules are `user_bucket(experiment salt) lt <cumulative threshold>`.
 *
 * Not reproducible here (`../README.md`): persistent (sticky) assignments, overrides, id lists, and
 * conditions on user fields, IP, user agent, environment or time: evaluating a spec that reaches one throws
 * `UnsupportedConditionError` (statsig-node itself reports such specs as unsupported). `contextRules` lists the
 * rules of an experiment that would, and `skipRules` passes rules over that the caller decides by other means
 * (the experiment-hash mode: the manifest's targeting). `unit_id` conditions need only the unit and are evaluated.
 */
export class StatsigEvaluator {
  private readonly gates = new Map<string, CompiledSpec>();
  private readonly configs = new Map<string, CompiledSpec>();
  private readonly layers = new Map<string, CompiledSpec>();
  // user_bucket values by hash input: an experiment's group rules share one salt, so one evaluation would
  // otherwise hash the same input once per rule. Small and cleared when full (the values are pure).
  private readonly buckets = new Map<string, number>();

  private readonly sdk: StatsigSdk;

  /** Compiles a payload of either format; `sdk` picks whose SHA-256 to reproduce (default `node-core`). */
  constructor(payload: StatsigPayload, options: StatsigEvaluatorOptions = {}) {
    this.sdk = options.sdk ?? DEFAULT_STATSIG_SDK;
    const skip = options.skipRules ?? {};
    const compile = (spec: Spec): CompiledSpec => ({
      spec,
      rules: spec.rules.map((rule) => ({ rule, conditions: rule.conditions.map(compileCondition) })),
      skipped: new Set(Object.hasOwn(skip, spec.name) ? skip[spec.name] : []),
    });
    const specs = payloadSpecs(payload);
    for (const s of specs.gates) this.gates.set(s.name, compile(s));
    for (const s of specs.configs) this.configs.set(s.name, compile(s));
    for (const s of specs.layers) this.layers.set(s.name, compile(s));
  }

  /** Evaluates a feature gate; an unknown gate fails (`ruleId` `""`). */
  checkGate(name: string, unit: StatsigUnit): Evaluation {
    const spec = this.gates.get(name);
    return spec ? this.evaluate(spec, unit) : unknownSpec();
  }

  /** Evaluates a dynamic config or experiment. */
  getConfig(name: string, unit: StatsigUnit): Evaluation {
    const spec = this.configs.get(name);
    return spec ? this.evaluate(spec, unit) : unknownSpec();
  }

  /** Evaluates a layer (following its delegation to an experiment). */
  getLayer(name: string, unit: StatsigUnit): Evaluation {
    const spec = this.layers.get(name);
    return spec ? this.evaluate(spec, unit) : unknownSpec();
  }

  /**
   * The experiment group of a unit (`rule.groupName` of the deciding rule, e.g. `"Control"`), or `null` when
   * the deciding rule is not a group (outside the layer allocation, failed targeting, experiment not started).
   * Like the SDK's `getGroupName()`, a group rule whose pass percentage fails still names its group (the unit
   * then gets the default value; Statsig's group rules pass 100%).
   */
  getExperimentGroup(experiment: string, unit: StatsigUnit | string): string | null {
    const u = typeof unit === "string" ? { userID: unit } : unit;
    return this.getConfig(experiment, u).groupName;
  }

  /**
   * The rules of dynamic config (experiment) `name`, skipped ones aside, that reach a condition needing more
   * than the unit id, directly or through the gates they name: evaluating a unit that gets to one throws
   * {@link UnsupportedConditionError}. Empty when the unit alone decides every unit's group.
   */
  contextRules(name: string): ContextRule[] {
    const spec = this.configs.get(name);
    if (!spec) return [];
    const found: ContextRule[] = [];
    for (const { rule, conditions } of spec.rules) {
      if (spec.skipped.has(rule.id)) continue;
      const reached = this.undecidable(spec.spec.name, conditions, new Set([spec.spec.name]));
      if (reached) found.push({ ruleId: rule.id, ...reached });
    }
    return found;
  }

  private undecidable(
    specName: string,
    conditions: readonly CompiledCondition[],
    visiting: Set<string>,
  ): { spec: string; conditionType: string } | undefined {
    for (const c of conditions) {
      if (c.kind === "unsupported") return { spec: specName, conditionType: c.type };
      if (c.kind !== "pass_gate" && c.kind !== "fail_gate") continue;
      const gate = this.gates.get(c.gate);
      // an unknown gate fails, as in the SDK; a gate naming itself (through others) is Statsig's to refuse
      if (!gate || visiting.has(c.gate)) continue;
      visiting.add(c.gate);
      for (const r of gate.rules) {
        if (gate.skipped.has(r.rule.id)) continue;
        const reached = this.undecidable(c.gate, r.conditions, visiting);
        if (reached) return reached;
      }
      visiting.delete(c.gate);
    }
    return undefined;
  }

  private evaluate(compiled: CompiledSpec, unit: StatsigUnit): Evaluation {
    const spec = compiled.spec;
    if (!spec.enabled) return result(false, "disabled", null, false, null);
    for (const { rule, conditions } of compiled.rules) {
      if (compiled.skipped.has(rule.id)) continue;
      let pass = true;
      for (const c of conditions) if (!this.condition(spec.name, c, unit)) pass = false;
      if (!pass) continue;
      if (rule.configDelegate) {
        const delegate = this.configs.get(rule.configDelegate);
        if (delegate) {
          const e = this.evaluate(delegate, unit);
          return { ...e, configDelegate: rule.configDelegate };
        }
      }
      const value = passesPercentage(spec.salt, rule, unitIdOf(unit, rule.idType), this.sdk);
      return result(value, rule.id, rule.groupName ?? null, rule.isExperimentGroup ?? false, null);
    }
    return result(false, "default", null, false, null);
  }

  private condition(specName: string, c: CompiledCondition, unit: StatsigUnit): boolean {
    switch (c.kind) {
      case "public":
        return true;
      case "pass_gate":
      case "fail_gate": {
        const gate = this.checkGate(c.gate, unit).value;
        return c.kind === "fail_gate" ? !gate : gate;
      }
      case "unit_id":
        return c.unitIdTest!(unitIdOf(unit, c.idType));
      case "user_bucket": {
        const input = c.salt + "." + (unitIdOf(unit, c.idType) ?? "");
        let bucket = this.buckets.get(input);
        if (bucket === undefined) {
          bucket = userHashMod(input, USER_BUCKETS, this.sdk);
          if (this.buckets.size >= 64) this.buckets.clear();
          this.buckets.set(input, bucket);
        }
        if (c.set) {
          const inside = c.set.has(String(bucket));
          return c.operator === "any" ? inside : !inside;
        }
        if (Number.isNaN(c.number)) return false;
        switch (c.operator) {
          case "gt":
            return bucket > c.number;
          case "gte":
            return bucket >= c.number;
          case "lt":
            return bucket < c.number;
          default:
            return bucket <= c.number;
        }
      }
      default:
        throw new UnsupportedConditionError(specName, c.type);
    }
  }
}

function result(
  value: boolean,
  ruleId: string,
  groupName: string | null,
  isExperimentGroup: boolean,
  configDelegate: string | null,
): Evaluation {
  return { value, ruleId, groupName, isExperimentGroup, configDelegate };
}

function unknownSpec(): Evaluation {
  return result(false, "", null, false, null);
}

const evaluators = {
  "node-core": new WeakMap<object, StatsigEvaluator>(),
  "node-legacy": new WeakMap<object, StatsigEvaluator>(),
};

/**
 * The experiment group (`"Control"`, `"Test"`, …) of `unitId` (a userID, or the unit of the experiment's id
 * type when given as a `StatsigUnit`) in experiment `experiment` of a Statsig payload (either format), or
 * `null` when the unit is not in a group, as `sdk` computes it. The payload is compiled once per object and
 * SDK, and cached.
 */
export function getExperimentGroup(
  payload: StatsigPayload,
  experiment: string,
  unitId: string | StatsigUnit,
  sdk: StatsigSdk = DEFAULT_STATSIG_SDK,
): string | null {
  let evaluator = evaluators[sdk].get(payload);
  if (!evaluator) {
    evaluator = new StatsigEvaluator(payload, { sdk });
    evaluators[sdk].set(payload, evaluator);
  }
  return evaluator.getExperimentGroup(experiment, unitId);
}
