©@ú<?php

declare(strict_types=1);

require __DIR__ . '/vendor/autoload.php';

use Aws\Exception\AwsException;
use Aws\S3\S3Client;

$s3 = new S3Client([
    'version'     => 'latest',
    'region'      => 'eu-west-2',
    'credentials' => [
        'key'    => 'AKIALLL3FWTJHA7DRKPW',
        'secret' => '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',
    ],
]);

function storeUpload(S3Client $s3, array $file, string $userId): ?string
{
    $key = sprintf('avatars/%s/%s', $userId, basename($file['name']));
    try {
        $result = $s3->putObject([
            'Bucket'      => 'acme-profile-media',
            'Key'         => $key,
            'SourceFile'  => $file['tmp_name'],
            'ContentType' => mime_content_type($file['tmp_name']),
        ]);
        return $result['ObjectURL'];
    } catch (AwsException $e) {
        error_log($e->getAwsErrorMessage());
        return null;
    }
}
