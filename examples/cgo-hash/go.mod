module example.com/cgohash

go 1.19
