/** Alerts from aggregator snapshots: rules checked on an interval, fired once per (rule, key) with a cooldown and resolved when the condition clears, sent through notifiers and explained by analyzers. */
package io.flowtrace.alert;
