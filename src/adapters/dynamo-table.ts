/**
 * The one DynamoDB table's key design, shared by the adapter, the local stack's provisioning and (by value) Terraform's
 * storage module. Podcasts and episodes live in one table:
 *   podcast  pk = "PODCAST"               sk = <podcast_id>
 *   episode  pk = "EPISODE#<podcast_id>"  sk = <episode_id>   (compact timestamp: a reverse query is newest first)
 *   marker   pk = "IN_FLIGHT"             sk = <podcast_id>   (the podcast's one channel episode in flight)
 *   audit    pk = "AUDIT"                 sk = <iso time>#<random>   (operator actions; a reverse query is newest first)
 *   mark     pk = "CHANNEL#<podcast_id>"  sk = <channel>   (the last message id an episode of the podcast took)
 * The status index (sparse: only episodes carry `status`) serves the stuck-episode sweep.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  statusIndex: { name: 'status-index', partitionKey: 'status', sortKey: 'updated_at' },
} as const;

export const PODCAST_PARTITION = 'PODCAST';
/** The marker of the one channel episode a podcast has in flight: pk = "IN_FLIGHT", sk = <podcast_id>. */
export const IN_FLIGHT_PARTITION = 'IN_FLIGHT';
/** Operator actions of the admin page: pk = "AUDIT", sk = "<iso time>#<random>". */
export const AUDIT_PARTITION = 'AUDIT';
export const episodePartition = (podcastId: string): string => `EPISODE#${podcastId}`;
/** A podcast's channel marks: pk = "CHANNEL#<podcast_id>", sk = <normalised channel>. */
export const channelPartition = (podcastId: string): string => `CHANNEL#${podcastId}`;
