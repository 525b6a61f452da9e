-- Events, distinct visitors and revenue per event type and day, from the clickstream.
SELECT
  event_type,
  count(*) AS events,
  count(DISTINCT anonymous_id) AS visitors,
  count(DISTINCT user__id) AS users,
  sum(properties__value) AS revenue,
  dt
FROM {{table:clickstream}}
WHERE dt BETWEEN {{from}} AND {{to}}
GROUP BY event_type, dt
