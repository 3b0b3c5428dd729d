/**
 * A time as Kubernetes writes it in status and metadata: RFC 3339 in UTC to the second ("2026-12-01T10:00:00Z"),
 * the form metav1.Time serialises to and kubectl shows.
 */
export const rfc3339Seconds = (at: Date | number): string => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
