/**
 * `@octokit/webhooks-methods`, GitHub's own signature check. The package is published as an ES module
 * for `import` only, which CommonJS cannot `require()`; compiled to CommonJS, TypeScript would turn a
 * plain `import()` into `require()` too, so the import is Node's own, made at run time.
 */
export interface GithubWebhookMethods {
  sign(secret: string, payload: string): Promise<string>;
  verifyWithFallback(secret: string, payload: string, signature: string, additionalSecrets?: string[]): Promise<boolean>;
}

const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let loaded: Promise<GithubWebhookMethods> | undefined;

export function githubWebhookMethods(): Promise<GithubWebhookMethods> {
  loaded ??= nativeImport('@octokit/webhooks-methods').then(
    (module) => module as GithubWebhookMethods,
    (error: unknown) => {
      // A module system of its own without dynamic import (Jest's) maps the package to a CommonJS build.
      if (!String((error as { code?: unknown } | undefined)?.code ?? '').startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')) throw error;
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- only reached where require() is that module system's
      return require('@octokit/webhooks-methods') as GithubWebhookMethods;
    },
  );
  return loaded;
}
