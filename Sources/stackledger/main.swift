print("stackledger: not built yet")
