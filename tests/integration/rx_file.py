# rx_file.py PORT FILE SLOW: run preloaded on Aether; accepts one connection on
# PORT, writes what it reads to FILE until EOF; SLOW=1 reads 4 KiB every 10 ms
import os, socket, sys, time
port, path, slow = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", port))
ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
n = 0
with open(path + ".part", "wb") as f:
	while True:
		b = c.recv(4096 if slow else 65536)
		if not b:
			break
		f.write(b)
		n += len(b)
		if slow:
			time.sleep(0.01)
os.rename(path + ".part", path)
c.close()
ls.close()
print("received", n, flush=True)
