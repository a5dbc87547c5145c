from sensor2text.cli import main

raise SystemExit(main())
