module modelwatch/proxyemulator

go 1.19
