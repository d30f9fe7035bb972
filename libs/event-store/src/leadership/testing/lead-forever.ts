// A leader process for the SIGKILL test: campaigns for the job, says so, and waits to be killed.
import { PostgresLeaderElection } from '../postgres-leader-election';

const [url, instanceId, job] = process.argv.slice(2);
const election = new PostgresLeaderElection({ connection: { connectionString: url }, instanceId, retryMs: 100 });
void election.campaign(job, { onElected: () => void process.stdout.write('leading\n'), onDeposed: () => undefined });
setInterval(() => undefined, 60_000);
