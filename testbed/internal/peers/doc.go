package peers

//go:generate go run generate.go
