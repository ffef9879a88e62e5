#!/bin/sh
# Writes this pod's redis.conf and sentinel.conf into /run/redis. The master is the one
# the sentinels already know (a pod restarting after a failover rejoins as a replica);
# with no sentinel answering (the first start), redis-0. Both servers require the
# passwords of the redis-auth Secret (REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD).
set -eu
me="${POD_NAME}.redis"
master=""
for peer in redis-0.redis redis-1.redis redis-2.redis; do
  answer=$(REDISCLI_AUTH="$REDIS_SENTINEL_PASSWORD" timeout 2 redis-cli -h "$peer" -p 26379 sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n 1 || true)
  if [ -n "$answer" ]; then
    master="$answer"
    break
  fi
done
[ -n "$master" ] || master="redis-0.redis"

cp /config/redis.conf /run/redis/redis.conf
cat >> /run/redis/redis.conf <<CONF
replica-announce-ip $me
requirepass $REDIS_PASSWORD
masterauth $REDIS_PASSWORD
CONF
if [ "$master" != "$me" ]; then
  echo "replicaof $master 6379" >> /run/redis/redis.conf
fi

cat > /run/redis/sentinel.conf <<CONF
port 26379
requirepass $REDIS_SENTINEL_PASSWORD
sentinel sentinel-pass $REDIS_SENTINEL_PASSWORD
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $me
sentinel monitor $MASTER_NAME $master 6379 2
sentinel auth-pass $MASTER_NAME $REDIS_PASSWORD
sentinel down-after-milliseconds $MASTER_NAME 5000
sentinel failover-timeout $MASTER_NAME 60000
sentinel parallel-syncs $MASTER_NAME 1
CONF
echo "configure: $me follows $master"
