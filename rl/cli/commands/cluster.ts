/**
 * `rl cluster start|stop|status`: the multi-node cluster (head + workers over ZeroMQ). The runtime is
 * built for it (nodes and object stores are explicit), but the cluster commands are not implemented
 * yet: each says so and exits 1 rather than pretending.
 */
import type { Command } from 'commander';

const NOT_YET =
  'multi-node clusters are not implemented yet; today tsrl runs one node (init() starts it in-process). ' +
  'See docs/architecture.md.';

export function registerClusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('start, stop and inspect a multi-node tsrl cluster');
  const notYet = (): void => {
    throw new Error(NOT_YET);
  };
  cluster
    .command('start')
    .description('start a head node, or a worker node joining --address')
    .option('--head', 'start the head node')
    .option('--address <addr>', 'the head address a worker joins, e.g. tcp://10.0.0.1:6380')
    .action(notYet);
  cluster.command('stop').description('stop the nodes started on this machine').action(notYet);
  cluster.command('status').description('show the nodes, their resources and load').action(notYet);
}
