/**
 * What workers look for in a module's exports: values made by `remoteFunction` or `remoteClass`
 * carry the {@link DEFINITION} symbol with the function or class they wrap.
 */
import type { ActorClass, DefinitionSite, TaskFunction } from './backend.js';

/** Marks a remote function or actor class export. */
export const DEFINITION: unique symbol = Symbol.for('tsrl.core.definition');

/** The data behind a remote function or actor class. */
export type Definition =
  | { readonly kind: 'function'; readonly site: DefinitionSite; readonly fn: TaskFunction }
  | { readonly kind: 'class'; readonly site: DefinitionSite; readonly cls: ActorClass };

/** Checks a URL-and-name pair and returns it. @throws TypeError naming the bad field */
export function checkSite(what: string, moduleUrl: string, exportName: string): DefinitionSite {
  if (typeof moduleUrl !== 'string' || !/^(file|data|https?):/.test(moduleUrl)) {
    throw new TypeError(
      `${what}: moduleUrl must be a module URL (pass import.meta.url), got ${String(moduleUrl)}`,
    );
  }
  if (typeof exportName !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new TypeError(
      `${what}: exportName must be the name the definition is exported under, got ${String(exportName)}`,
    );
  }
  return { moduleUrl, exportName };
}

/** Finds the definition exported as `site.exportName` by `site.moduleUrl`. @throws Error with the fix */
export async function loadDefinition(site: DefinitionSite, kind: Definition['kind']): Promise<Definition> {
  const mod = (await import(site.moduleUrl)) as Record<string, unknown>;
  const value = mod[site.exportName];
  const def =
    (typeof value === 'object' || typeof value === 'function') && value !== null
      ? (value as { [DEFINITION]?: Definition })[DEFINITION]
      : undefined;
  if (def === undefined || def.kind !== kind) {
    const made = kind === 'function' ? 'remoteFunction' : 'remoteClass';
    throw new TypeError(
      `module ${site.moduleUrl} has no export '${site.exportName}' made by ${made}(); ` +
        `export the value ${made}(import.meta.url, '${site.exportName}', ...) returns under that exact name`,
    );
  }
  return def;
}
