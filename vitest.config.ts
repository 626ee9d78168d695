import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Seconds per file in a CI run, for the files over ~15 s. A fresh clone has no Vitest results
 * cache, so Vitest would order by file size and a two-minute file could start last and end
 * the run alone; these start first instead (longest first), and the many short files fill in
 * after them. A stale number only changes the order, never a result.
 */
const SLOW_FILES: Readonly<Record<string, number>> = {
  'test/sandbox/sandbox.test.ts': 149,
  'test/mesh/three-clusters.test.ts': 145,
  'test/lb-ipam/restart.test.ts': 129,
  'test/demo/walkthrough.test.ts': 120,
  'test/datapath/sandbox-bpf.test.ts': 88,
  'test/l2/e2e.test.ts': 78,
  'test/clustermesh-cli/connect.test.ts': 40,
  'test/lb-ipam/pools.test.ts': 38,
  'test/l2/leases.test.ts': 31,
  'test/clustermesh-apiserver/consistency.test.ts': 28,
  'test/operator/processes.test.ts': 27,
  'test/lb-ipam/allocation.test.ts': 25,
  'test/bgp/operator.test.ts': 24,
  'test/deploy/manifests.test.ts': 21,
  'test/l2/responder.test.ts': 21,
  'test/lb-ipam/sharing.test.ts': 20,
  'test/kubectl/kubectl.test.ts': 20,
  'test/bgp/gobgp.test.ts': 18,
  'test/clustermesh-apiserver/golden.test.ts': 18,
  'test/k8s/leader-election.test.ts': 16,
};

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const seconds = (f: TestSpecification): number => SLOW_FILES[relative(this.ctx.config.root, f.moduleId)] ?? 0;
    // Array.prototype.sort is stable: everything not listed keeps Vitest's order.
    return ordered.sort((a, b) => seconds(b) - seconds(a));
  }
}

const excluded = ['node_modules/**', 'dist/**', '.sandbox/**'];

export default defineConfig({
  test: {
    // Integration tests start real etcd, API servers and meshlb processes; on a loaded two-core
    // machine start-up alone can take a minute. Behaviour timings are asserted inside tests.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores here: more workers only fight over them and make timing-sensitive tests flaky.
    maxWorkers: 2,
    reporters: ['default'],
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: excluded,
        },
      },
      {
        extends: true,
        test: {
          // Pure logic beside its code (no processes, sockets or files): one worker process
          // runs many files, so shared modules (the Kubernetes client alone takes seconds) are
          // imported once per worker instead of once per file. Halved this project's time.
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...excluded, 'test/**'],
          isolate: false,
        },
      },
    ],
  },
});
