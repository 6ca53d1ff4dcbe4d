module nodrop.example/go-http

go 1.22
