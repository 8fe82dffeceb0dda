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
  ) {}

  as(token: string): DemoClient {
    return new DemoClient(this.baseUrl, token);
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
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new ApiError(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`, res.status);
    return (text ? JSON.parse(text) : null) as T;
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
