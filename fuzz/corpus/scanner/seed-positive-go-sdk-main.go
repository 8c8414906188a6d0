ípackage main

import (
	"flag"
	"log"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3/s3manager"
)

func main() {
	bucket := flag.String("bucket", "acme-artifacts", "destination bucket")
	key := flag.String("key", "", "object key")
	flag.Parse()

	sess, err := session.NewSession(&aws.Config{
		Region:      aws.String("us-west-2"),
		Credentials: credentials.NewStaticCredentials("AKIA4BRIQ6LF4UPC7VHS", "JDqqp9v98igVOUIzFvJXtoo4fbDTqomogdNcID2r", ""),
	})
	if err != nil {
		log.Fatalf("session: %v", err)
	}

	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatalf("open: %v", err)
	}
	defer f.Close()

	out, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{
		Bucket: bucket,
		Key:    key,
		Body:   f,
	})
	if err != nil {
		log.Fatalf("upload: %v", err)
	}
	log.Printf("uploaded to %s", out.Location)
}
