positive/binary/hardcoded.c
/*
 * backup-push: upload nightly dump files to S3.
 * Build: see build.sh
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET "acme-nightly-dumps"
#define REGION "us-east-1"

struct s3_target {
    const char *bucket;
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
};

static int push_file(const struct s3_target *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    printf("PUT s3://%s/%s (%ld bytes) region=%s key=%.4s****\n",
           t->bucket, path, size, t->region, t->access_key_id);
    return strlen(t->secret_access_key) == 40 ? 0 : 2;
}

int main(int argc, char **argv)
{
    struct s3_target target = {
        BUCKET,
        REGION,
        "AKIA3KYISNNXG2NDW6R5",
        "iEJ/0kH55HxjFFD8lwHst+LYBXWTnGQNIKyUApfx",
    };
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= push_file(&target, argv[i]);
    return rc;
}
