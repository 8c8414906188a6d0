positive/binary/build.sh
#!/bin/sh
# Rebuild the compiled-binary fixture from hardcoded.c.
# The bytes depend on the compiler (this one was built with Debian gcc 12.2.0); after a
# rebuild, put the line printed below into ../../expected.txt for positive/binary/hardcoded.
set -eu
cd "$(dirname "$0")"
gcc -O0 -o hardcoded hardcoded.c
python3 - <<'EOF'
import re
data = open("hardcoded", "rb").read()
m = re.search(rb"(?<![A-Za-z0-9])A[KS]IA[A-Z2-7]{16}(?![A-Za-z0-9])", data)
print("positive/binary/hardcoded:%d:credential" % (data.count(b"\n", 0, m.start()) + 1))
EOF
