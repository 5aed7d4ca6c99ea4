/** Runs `total` jobs keeping `lanes` of them going at once; resolves with the elapsed milliseconds. */
export async function runInLanes(total: number, lanes: number, job: (id: number) => Promise<void>): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < total) await job(next++);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(lanes, total) }, lane));
  return performance.now() - start;
}
