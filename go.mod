module github.com/vigil-psirt/vigil

go 1.26
