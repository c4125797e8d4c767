/** Routes of the API reference: the OpenAPI document and the page that renders it. */
import { apiReference } from '@scalar/express-api-reference';
import { Router } from 'express';
import helmet from 'helmet';
import { createHash } from 'node:crypto';
import { openApiDocument } from '../openapi';

/** Where the reference page loads Scalar from; the page's CSP allows this origin and nothing else outside. */
const SCALAR_ORIGIN = 'https://cdn.jsdelivr.net';

/** The page the Scalar middleware renders, captured once so its inline script can be allowed by hash. */
function renderPage(handler: ReturnType<typeof apiReference>): string {
  let html = '';
  const capture = {
    type: () => capture,
    send: (body: string) => {
      html = body;
      return capture;
    },
  };
  void handler({} as never, capture as never, () => undefined);
  return html;
}

/** `'sha256-…'` of each inline `<script>` of a page. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    hashes.push(`'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * `GET /openapi.json` (the document) and `GET /docs` (Scalar's interactive reference), both without a key.
 * Every other answer keeps the API's `default-src 'none'` policy; only this page may run Scalar's script
 * (which evaluates code it builds), its own inline start-up script (by hash), Scalar's styles and fonts,
 * and call this origin.
 */
export function referenceRouter(): Router {
  const router = Router();
  const page = apiReference({ url: '/openapi.json', pageTitle: 'temporal-webhooks API' });
  const html = renderPage(page);
  const docsPolicy = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // Scalar's bundle builds schema examples and the "try it" forms with `new Function`: without
        // 'unsafe-eval' they stay blank. Inline scripts other than the page's own stay refused.
        scriptSrc: [SCALAR_ORIGIN, ...inlineScriptHashes(html), "'unsafe-eval'"],
        styleSrc: ["'unsafe-inline'", SCALAR_ORIGIN, 'https://fonts.scalar.com'],
        fontSrc: [SCALAR_ORIGIN, 'https://fonts.scalar.com', 'data:'],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  router.get('/docs', docsPolicy, (_req, res) => {
    res.type('text/html').send(html);
  });

  return router;
}
