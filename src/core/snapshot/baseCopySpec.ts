/**
 * How a workspace's base copy is made: which paths are left out, who owns the copy, and the
 * reuse key that names both. A start and a prepare of the base (prepareBase.ts) take it from
 * here, so a copy one of them kept is one the other may refresh, and never one made under
 * other rules.
 */
import { compilePatterns, type PathMatcher } from '../glob';
import type { Policy } from '../policy';
import type { Owner } from './sessionSnapshot';

export interface BaseCopySpec {
  readonly isExcluded: PathMatcher;
  readonly owner?: Owner;
  /** A kept base is refreshed only when it was made with the same key (see baseCache.ts). */
  readonly reuseKey: string;
}

export function baseCopySpec(policy: Policy, owner: Owner | undefined): BaseCopySpec {
  return {
    isExcluded: compilePatterns(policy.exclude),
    ...(owner ? { owner } : {}),
    reuseKey: JSON.stringify({ exclude: policy.exclude, owner: owner ?? null }),
  };
}
