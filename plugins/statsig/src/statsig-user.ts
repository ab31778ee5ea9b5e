import { StatsigUser, type StatsigUserArgs } from "@statsig/statsig-node-core";

/** Statsig's top-level user fields, by the attribute names an Assay context may carry them under. */
const USER_FIELDS: Readonly<
  Record<string, "email" | "ip" | "userAgent" | "country" | "locale" | "appVersion">
> = {
  email: "email",
  ip: "ip",
  userAgent: "userAgent",
  user_agent: "userAgent",
  country: "country",
  locale: "locale",
  appVersion: "appVersion",
  app_version: "appVersion",
};

/** What a Statsig user is built from: an Assay context's ids and attributes, and where the unit goes. */
export interface UserSource {
  readonly userId?: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  /** The experiment's Statsig id type, when it is not `userID` (e.g. `stableID`, `companyID`). */
  readonly customIdType?: string | undefined;
  /** The unit's id for `customIdType`. */
  readonly customId?: string | undefined;
}

/**
 * The Statsig user for one evaluation: `userID` from the context's user id, the experiment's unit as the
 * custom id of its id type, Statsig's own user fields (email, ip, userAgent, country, locale, appVersion; also
 * read as `user_agent`, `app_version`) from the attributes of those names, and every other attribute as a
 * custom field, where Statsig's `user_field` conditions read it.
 */
export function statsigUser(source: UserSource): StatsigUser {
  const custom: Record<string, string> = {};
  const args: StatsigUserArgs & { customIDs: Record<string, string> } = { customIDs: {} };
  if (source.userId !== undefined) args.userID = source.userId;
  if (source.customIdType !== undefined && source.customId !== undefined) {
    args.customIDs[source.customIdType] = source.customId;
  }
  for (const [name, value] of Object.entries(source.attributes)) {
    const field = Object.hasOwn(USER_FIELDS, name) ? USER_FIELDS[name] : undefined;
    if (field === undefined) custom[name] = value;
    else args[field] = value;
  }
  if (Object.keys(custom).length > 0) args.custom = custom;
  return new StatsigUser(args);
}
