{
  "targets": [
    {
      "target_name": "meshlb_bpf",
      "sources": ["meshlb_bpf.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
