/** The demo talks to the service only through its public HTTP API, like any client. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class DemoClient {
  constructor(
    readonly baseUrl: string,
    private token = '',
    private cookie = '',
  ) {}

  as(token: string): DemoClient {
    return new DemoClient(this.baseUrl, token);
  }

  /** A client of a person's console session (the cookie a passkey sign-in set). */
  withSession(cookie: string): DemoClient {
    return new DemoClient(this.baseUrl, '', cookie);
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /** null for a 404: something the service has not made yet */
  async find<T>(path: string): Promise<T | null> {
    try {
      return await this.call<T>('GET', path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  /** The answer itself (its headers too); throws on an error status. */
  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.cookie) {
      headers.Cookie = this.cookie;
      headers['X-Turnout-Console'] = '1';
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const text = await res.text();
      throw new ApiError(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`, res.status);
    }
    return res;
  }

  /** Whether the service answers /health/ready (database reachable, migrations applied). */
  async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.baseUrl}/health/ready`)).ok;
    } catch {
      return false;
    }
  }
}
