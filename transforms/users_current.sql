-- The users table as it is now: the latest snapshot, then every change after it; for each user
-- the newest version wins, and users whose newest version is a delete are left out.
--
-- DynamoDB Streams keeps each item's changes in the order they were made (sequence numbers grow
-- within a shard), but their ApproximateCreationDateTime is only approximate (whole seconds, and
-- not ordered), so a user's changes are ordered by _seq alone. Time only places the newest change
-- against the export snapshot, which has no sequence number: a change at or after the export's
-- time is later than the snapshot.
WITH latest_snapshot AS (
  SELECT *, 1 AS change_rank
  FROM {{table:users_snapshot}}
  WHERE dt = (SELECT max(dt) FROM {{table:users_snapshot}})
),
changes AS (
  SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY _seq DESC NULLS LAST) AS change_rank
  FROM {{table:users_changes}}
  WHERE dt >= coalesce((SELECT max(dt) FROM {{table:users_snapshot}}), '0000-00-00')
),
history AS (
  SELECT * FROM latest_snapshot
  UNION ALL
  SELECT * FROM changes WHERE change_rank = 1
),
ranked AS (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY user_id
      -- on a tie with the snapshot's time, the change is the later one
      ORDER BY _event_time DESC, (_op <> 'SNAPSHOT') DESC
    ) AS version
  FROM history
)
SELECT
  user_id,
  email,
  display_name,
  age,
  lifetime_value,
  is_active,
  avatar,
  tags,
  scores,
  badges,
  address__city,
  address__zip,
  address__geo__lat,
  address__geo__lon,
  devices,
  created_at,
  updated_at,
  plan__tier,
  plan__seats,
  _event_time AS changed_at
FROM ranked
WHERE version = 1 AND NOT _deleted
