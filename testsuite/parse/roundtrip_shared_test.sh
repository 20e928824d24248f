#!/bin/bash
# roundtrip_shared_test: roundtrip_test over the scripts kept outside this
# tree, in ../shared beside it (the seed scripts' origin and the
# conformance corpus's ok folders); skipped where that is absent.
exec bash "$(cd "$(dirname "$0")" && pwd -P)/roundtrip_test.sh" --shared
