/**
 * Scrubbing of secrets from anything that might be shown: error messages and details. The
 * registry client registers every password, identity token and bearer token it handles here,
 * so even a registry that echoes a header back in an error body cannot leak one (pure).
 */
export class SecretSet {
  private readonly secrets = new Set<string>();

  add(...values: Array<string | undefined>): void {
    for (const v of values) {
      // Very short strings would redact ordinary words; credentials are never that short.
      if (typeof v === 'string' && v.length >= 3) {
        this.secrets.add(v);
        // Basic auth carries "user:password" base64-encoded; tokens may appear URL-encoded.
        this.secrets.add(encodeURIComponent(v));
      }
    }
  }

  addBasic(username: string, password: string): void {
    this.add(password, Buffer.from(`${username}:${password}`).toString('base64'));
  }

  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  }

  value(v: unknown, depth = 0): unknown {
    if (typeof v === 'string') return this.text(v);
    if (depth > 6 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = this.value(x, depth + 1);
    return out;
  }
}
