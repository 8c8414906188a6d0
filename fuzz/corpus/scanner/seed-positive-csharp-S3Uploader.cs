„4@using System;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Transfer;

namespace Acme.Invoicing.Storage
{
    public sealed class S3Uploader : IDisposable
    {
        private const string BucketName = "acme-invoicing-pdf";
        private readonly AmazonS3Client _client;

        public S3Uploader()
        {
            var credentials = new BasicAWSCredentials("AKIANBGPILIILUVQGHL6", "LpsjNiwF9LZUG2riwh1U5TeuCuap1Gs/V6aRxg/r");
            _client = new AmazonS3Client(credentials, RegionEndpoint.EUWest1);
        }

        public async Task UploadAsync(string localPath, string invoiceNumber)
        {
            using var transfer = new TransferUtility(_client);
            var key = $"invoices/{DateTime.UtcNow:yyyy/MM}/{invoiceNumber}.pdf";
            await transfer.UploadAsync(localPath, BucketName, key).ConfigureAwait(false);
        }

        public void Dispose() => _client.Dispose();
    }
}
