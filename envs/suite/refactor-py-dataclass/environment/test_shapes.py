from shapes import distance

assert distance((0, 0), (3, 4)) == 5
print("ok")
