// Node loads its fetch implementation on the first call, which takes tens of milliseconds. Channels
// call this before their first send so that cost is not spent while a send is marked in flight
// (a crash then leaves the send in doubt; see outbox.ts).

let warm: Promise<void> | undefined;

/** Loads fetch without touching the network (a data: URL), once. */
export function warmFetch(): Promise<void> {
  warm ??= fetch("data:,").then(
    (r) => void r.arrayBuffer(),
    () => undefined,
  );
  return warm;
}
