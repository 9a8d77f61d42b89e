# tx_file.py HOST PORT FILE: kernel side; sends FILE to HOST:PORT, half-closes,
# waits for the receiver's close (so every byte was read before it returns);
# prints the congestion control the connection sent with (TCP_CONGESTION)
import socket, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=30)
s.settimeout(None)
with open(path, "rb") as f:
	s.sendfile(f)
cc = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
print(cc.split(b"\0")[0].decode(), flush=True)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
	pass
s.close()
