positive/crlf-batch/deploy.bat
@echo off
REM Publish the release bundle to S3 (run from the repo root on the build box)
setlocal

set AWS_ACCESS_KEY_ID=AKIAPKWVF7O4Y6OMNUTS
set AWS_SECRET_ACCESS_KEY=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
set AWS_DEFAULT_REGION=us-west-2

set VERSION=%1
if "%VERSION%"=="" (
    echo usage: deploy.bat VERSION
    exit /b 2
)

call npm run build || exit /b 1
powershell -NoProfile -Command "Compress-Archive -Path dist\* -DestinationPath release-%VERSION%.zip -Force"
aws s3 cp release-%VERSION%.zip s3://acme-desktop-releases/%VERSION%/release.zip
if errorlevel 1 (
    echo upload failed
    exit /b 1
)
echo Published %VERSION%
endlocal
