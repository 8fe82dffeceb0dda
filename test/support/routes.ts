import type { INestApplication } from '@nestjs/common';

export interface AppRoute {
  method: string;
  /** Express syntax, `:name` for a parameter */
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every route the running app answers, read from the Express router itself, so a route added
 * later is listed without anyone remembering to. Catch-alls that Nest installs for its
 * middleware (`/{*path}`, all methods) are not routes of the API.
 */
export function listRoutes(app: INestApplication): AppRoute[] {
  const express = app.getHttpAdapter().getInstance() as {
    router?: { stack: Layer[] };
    _router?: { stack: Layer[] };
  };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const seen = new Map<string, AppRoute>();
  for (const layer of stack) {
    if (!layer.route || layer.route.path.includes('{*')) continue;
    // Express routes are not strict: '/x/' is '/x' (a middleware bound to a controller whose
    // route is its root registers the former beside the route itself)
    const path = layer.route.path.length > 1 ? layer.route.path.replace(/\/$/, '') : '/';
    for (const method of Object.keys(layer.route.methods)) {
      const route = { method: method.toUpperCase(), path };
      seen.set(`${route.method} ${route.path}`, route);
    }
  }
  return [...seen.values()];
}

export function routeName(route: AppRoute): string {
  return `${route.method} ${route.path}`;
}
