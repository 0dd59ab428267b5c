/**
 * Serves the OpenAPI document at /api/openapi.json and Swagger UI at /docs, from the
 * swagger-ui-dist package (no CDN; no inline script, so the app's CSP holds).
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { Router } from 'express';

const SPEC_URL = '/api/openapi.json';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Booking platform API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/swagger-initializer.js"></script>
</body>
</html>
`;

// validatorUrl: null — no call to the public validator service
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(SPEC_URL)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
});
`;

export function swaggerUiDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** `document` may be a function: then it is built on the first request (about 0.1 s of CPU not spent at start). */
export function openApiRoutes(document: object | (() => object)): Router {
  const router = Router();
  let json: string | null = typeof document === 'function' ? null : JSON.stringify(document);
  router.get(SPEC_URL, (_req, res) => {
    json ??= JSON.stringify((document as () => object)());
    res.setHeader('cache-control', 'no-cache');
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(PAGE);
  });
  // ours, in place of the package's (which loads the petstore example)
  router.get('/docs/swagger-initializer.js', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.type('application/javascript').send(INITIALIZER);
  });
  router.use('/docs', express.static(swaggerUiDir(), { index: false, maxAge: '1h' }));
  return router;
}
