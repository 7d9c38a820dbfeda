/**
 * The {@code email} notifier: one HTML summary (with a plain-text alternative) per check, sent over SMTP with
 * STARTTLS or implicit TLS by a small SMTP client of this package. Only the provider is public; the package is not
 * exported. Notifiers run on the alerter's notification thread, never on the packet path.
 */
package io.flowtrace.alert.email;
