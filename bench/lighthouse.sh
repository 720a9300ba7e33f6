#!/usr/bin/env bash
# Lighthouse (npm lighthouse, pinned in package.json) on the home, list, organization and
# issue pages, served as in production: gunicorn, DEBUG off, hashed and compressed static
# files, a fresh SQLite database with the seed content. Needs `npm ci` and Chromium.
# Usage: bash bench/lighthouse.sh [output-dir]   (default bench/results/lighthouse)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-bench/results/lighthouse}
PORT=${LIGHTHOUSE_PORT:-8766}
DB=$(mktemp -d)/lighthouse.sqlite3
export DEBUG=false SECRET_KEY=lighthouse-only-not-secret ALLOWED_HOSTS=127.0.0.1 \
  DATABASE_URL="sqlite:///$DB" SECURE_COOKIES=false LOG_LEVEL=WARNING ACCESS_LOG=false \
  PORT WEB_CONCURRENCY=2 CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn --config config/gunicorn.py config.wsgi &
SERVER=$!
trap 'kill $SERVER; rm -f "$DB"' EXIT
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 1; done

for page in home:/ list:/organizations/ organization:/organizations/liberty-in-north-korea/ \
  issue:/issues/human-trafficking/; do
  name=${page%%:*}
  npx --no-install lighthouse "http://127.0.0.1:$PORT${page#*:}" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output-path="$OUT/$name.json"
  node -e '
    const r = require(process.argv[1]);
    const s = Object.values(r.categories).map(c => `${c.title} ${Math.round(c.score * 100)}`);
    console.log(process.argv[2].padEnd(13), s.join(", "));
  ' "$OUT/$name.json" "$name"
done
